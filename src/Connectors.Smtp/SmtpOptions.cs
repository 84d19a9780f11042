using System.Net.Security;
using Connectors.Abstractions.Providers;

namespace Connectors.Smtp;

/// <summary>Host-level SMTP settings (not part of a tenant's config). <see cref="ProviderOptions.Http"/>'s
/// <c>AttemptTimeout</c> bounds each exchange with the server and its <c>OverallTimeout</c> the whole send; a send is
/// never repeated.</summary>
public sealed class SmtpOptions : ProviderOptions
{
    /// <summary>Hosts (names or addresses, as configs write them) that may resolve to loopback or private addresses, and
    /// the only ones a config may use without TLS (<c>ignoreTLS</c>), e.g. a relay inside the host's own network. Empty
    /// by default: a tenant's config reaches public hosts only, over TLS.</summary>
    public IList<string> AllowedHosts { get; } = new List<string>();

    /// <summary>Checks the server's certificate instead of the system's validation, e.g. for a private CA; null (default)
    /// uses the system's.</summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; set; }

    internal bool IsAllowed(string host) => AllowedHosts.Any(h => string.Equals(h.Trim('[', ']'), host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase));
}
