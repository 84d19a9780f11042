using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.HuggingFace;

/// <summary>Validates <see cref="HuggingFaceOptions"/> (registered by <c>AddHuggingFace</c>, run at host start).</summary>
internal sealed class HuggingFaceOptionsValidator : IValidateOptions<HuggingFaceOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, HuggingFaceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        OptionsChecks.AbsoluteUri(options.BaseAddress, "HuggingFaceOptions.BaseAddress", problems, carriesCredentials: true);
        OptionsChecks.Http(options.Http, "HuggingFaceOptions.Http", problems);
        return OptionsChecks.Result(problems);
    }
}
