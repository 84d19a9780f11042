namespace Connectors.Abstractions.Tests.Social;

public sealed class SocialCallbackTests
{
    [Fact]
    public void FromQueryString_decodes_parameters_and_keeps_the_session()
    {
        var session = new Dictionary<string, string> { [SessionKeys.RedirectUri] = "https://app/cb" };

        var callback = SocialCallback.FromQueryString("?code=a%2Bb+c&state=xyz&flag&empty=&code=second", session);

        callback.Parameters.Should().Equal(new Dictionary<string, string?>
        {
            ["code"] = "a+b c",
            ["state"] = "xyz",
            ["flag"] = "",
            ["empty"] = "",
        });
        callback.GetParameter("code").Should().Be("a+b c");
        callback.GetParameter("empty").Should().BeNull();
        callback.GetParameter("missing").Should().BeNull();
        callback.GetSessionValue(SessionKeys.RedirectUri).Should().Be("https://app/cb");
    }

    [Fact]
    public void FromQueryString_accepts_null_and_gives_an_empty_session() =>
        SocialCallback.FromQueryString(null).Should().BeEquivalentTo(new { Parameters = new Dictionary<string, string?>(), Session = new Dictionary<string, string>() });

    [Fact]
    public void TokenSet_and_payload_ToString_never_print_tokens_or_codes()
    {
        new TokenSet("access-123", "bearer") { RefreshToken = "refresh-456", IdToken = "id-789" }.ToString()
            .Should().NotContainAny("access-123", "refresh-456", "id-789");
        new EmailMessage("a@b.c", UsageType.SignIn, new EmailPayload { Code = "654321" }).ToString().Should().NotContain("654321");
    }
}
