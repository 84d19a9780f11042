using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Connectors.Testing;

/// <summary>
/// A real SMTP server for one test class: Debian's aiosmtpd running tests/smtp-server/server.py on 127.0.0.1 and a
/// port it bound itself, requiring login (<see cref="User"/>, <see cref="Password"/>), with STARTTLS on a fresh
/// self-signed certificate for <c>localhost</c> when asked. Each accepted message is a file in <see cref="Directory"/>.
/// </summary>
public sealed partial class SmtpServer : IAsyncDisposable
{
    public const string User = "tester";
    public const string Password = "smtp-pass-S3CR3T";

    private readonly TestProcess _process;

    private SmtpServer(TestProcess process, string directory, int port, X509Certificate2? certificate)
    {
        _process = process;
        Directory = directory;
        Port = port;
        Certificate = certificate;
    }

    /// <summary>Where accepted messages are written, <c>1.eml</c>, <c>2.eml</c>, ... (with X-Envelope-From/-To lines first).</summary>
    public string Directory { get; }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>Its certificate, when it offers STARTTLS.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>Starts a server; with <paramref name="startTls"/> it offers and requires STARTTLS.</summary>
    public static async Task<SmtpServer> StartAsync(bool startTls)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("connectors-smtp-").FullName;
        var start = new ProcessStartInfo("/usr/bin/python3") { WorkingDirectory = directory };
        start.ArgumentList.Add(typeof(SmtpServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SmtpServerScript").Value!);
        start.ArgumentList.Add(directory);
        X509Certificate2? certificate = null;
        if (startTls)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            await File.WriteAllTextAsync(Path.Combine(directory, "cert.pem"), certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
            start.ArgumentList.Add(Path.Combine(directory, "cert.pem"));
            start.ArgumentList.Add(Path.Combine(directory, "key.pem"));
        }

        var (process, ready) = await TestProcess.StartAsync(start, Ready(), "aiosmtpd", TimeSpan.FromSeconds(60));
        return new SmtpServer(process, directory, int.Parse(ready.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), certificate);
    }

    /// <summary>The messages accepted so far, in order, as their raw text.</summary>
    public IReadOnlyList<string> Messages() =>
        [.. System.IO.Directory.GetFiles(Directory, "*.eml").OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture)).Select(File.ReadAllText)];

    /// <summary>Forgets the messages accepted so far.</summary>
    public void Clear()
    {
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.eml"))
        {
            File.Delete(file);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Certificate?.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    [GeneratedRegex(@"listening on (\d+)")]
    private static partial Regex Ready();
}
