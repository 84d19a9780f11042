using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.Mailgun;

/// <summary>Validates <see cref="MailgunOptions"/> (registered by <c>AddMailgun</c>, run at host start).</summary>
internal sealed class MailgunOptionsValidator : IValidateOptions<MailgunOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, MailgunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var i = 0;
        foreach (var endpoint in options.AllowedEndpoints)
        {
            OptionsChecks.AbsoluteUri(endpoint, $"MailgunOptions.AllowedEndpoints[{i++}]", problems);
        }

        OptionsChecks.Http(options.Http, "MailgunOptions.Http", problems);
        return OptionsChecks.Result(problems);
    }
}
