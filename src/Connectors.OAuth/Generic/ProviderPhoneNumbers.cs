using Microsoft.Extensions.Logging;
using PhoneNumbers;

namespace Connectors.OAuth;

/// <summary>
/// Phone numbers from any provider (<c>oauth2</c>, <c>oidc</c>), read with Google's libphonenumber: an international
/// number (<c>+44 (0)20 7946 0958</c>, full-width digits, an extension) becomes E.164 when it is a valid number of
/// its country, and anything else is not used: a number without a country code (no region is known for an arbitrary
/// provider), an unassigned country code or an impossible number is dropped and logged, without the number, rather
/// than reformatted into a wrong E.164.
/// </summary>
internal static partial class ProviderPhoneNumbers
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary><paramref name="number"/> in E.164, or null.</summary>
    public static string? ToE164(string? number, ILogger logger, string provider)
    {
        if (string.IsNullOrWhiteSpace(number))
        {
            return null;
        }

        try
        {
            var parsed = Util.Parse(number, null);
            if (Util.IsValidNumber(parsed))
            {
                return Util.Format(parsed, PhoneNumberFormat.E164);
            }
        }
        catch (NumberParseException)
        {
            // not a number libphonenumber can read without a region
        }

        LogInvalid(logger, provider);
        return null;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "{Provider} gave a phone number that is not a valid international number; it is not used")]
    private static partial void LogInvalid(ILogger logger, string provider);
}
