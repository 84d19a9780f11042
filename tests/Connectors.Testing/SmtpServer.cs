using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Connectors.Testing;

/// <summary>
/// A real SMTP server for one test class: Debian's aiosmtpd running tests/smtp-server/server.py on 127.0.0.1 and a
/// port it bound itself, requiring login (<see cref="User"/>, <see cref="Password"/>), with STARTTLS on a fresh
/// self-signed certificate for <c>localhost</c> (made by openssl) when asked. Each accepted message is a file in <see cref="Directory"/>.
/// </summary>
public sealed partial class SmtpServer : IAsyncDisposable
{
    public const string User = "tester";
    public const string Password = "smtp-pass-S3CR3T";

    private readonly TestProcess _process;

    private SmtpServer(TestProcess process, string directory, int port, string? thumbprint)
    {
        _process = process;
        Directory = directory;
        Port = port;
        Thumbprint = thumbprint;
    }

    /// <summary>Where accepted messages are written, <c>1.eml</c>, <c>2.eml</c>, ... (with X-Envelope-From/-To lines first).</summary>
    public string Directory { get; }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>Its certificate's SHA-1 thumbprint (as <c>X509Certificate.GetCertHashString</c>), when it offers STARTTLS.</summary>
    public string? Thumbprint { get; }

    /// <summary>Starts a server; with <paramref name="startTls"/> it offers and requires STARTTLS.</summary>
    public static async Task<SmtpServer> StartAsync(bool startTls)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("connectors-smtp-").FullName;
        var start = new ProcessStartInfo("/usr/bin/python3") { WorkingDirectory = directory };
        start.ArgumentList.Add(typeof(SmtpServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SmtpServerScript").Value!);
        start.ArgumentList.Add(directory);
        string? thumbprint = null;
        if (startTls)
        {
            // openssl, not CertificateRequest: on net8.0 MailKit 4.18.2 brings System.Formats.Asn1 10.0, with which
            // .NET 8's certificate writers fail (MissingMethodException in SubjectAlternativeNameBuilder.Build).
            var (cert, key) = (Path.Combine(directory, "cert.pem"), Path.Combine(directory, "key.pem"));
            var openssl = Process.Start(new ProcessStartInfo("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]) { RedirectStandardError = true })!;
            await openssl.WaitForExitAsync();
            if (openssl.ExitCode != 0)
            {
                throw new InvalidOperationException($"openssl could not make the test certificate: {await openssl.StandardError.ReadToEndAsync()}");
            }

            var pem = await File.ReadAllTextAsync(cert);
            var body = pem[(pem.IndexOf("-----\n", StringComparison.Ordinal) + 6)..pem.IndexOf("-----END", StringComparison.Ordinal)];
            thumbprint = Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(Convert.FromBase64String(body.ReplaceLineEndings(string.Empty))));
            start.ArgumentList.Add(cert);
            start.ArgumentList.Add(key);
        }

        var (process, ready) = await TestProcess.StartAsync(start, Ready(), "aiosmtpd", TimeSpan.FromSeconds(60));
        return new SmtpServer(process, directory, int.Parse(ready.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), thumbprint);
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
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    [GeneratedRegex(@"listening on (\d+)")]
    private static partial Regex Ready();
}
