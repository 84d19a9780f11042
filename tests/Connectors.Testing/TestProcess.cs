using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Connectors.Testing;

/// <summary>
/// A process the harness runs (WireMock, the OpenID Provider): started, its output captured, awaited until it prints
/// the line that says it is ready (a port it bound itself, so no port is guessed), and killed with the test run.
/// </summary>
public sealed class TestProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Process _process;

    private TestProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code, once it has ended.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>What the process printed so far (standard output and error).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="start"/> and waits until a line matches <paramref name="ready"/>.</summary>
    /// <param name="start">What to run; its output is redirected here.</param>
    /// <param name="ready">The line that says the process is ready, e.g. one naming its port.</param>
    /// <param name="name">The process's name in messages, e.g. <c>WireMock</c>.</param>
    /// <param name="timeout">How long it may take (generous: CI is a busy 2-core machine).</param>
    /// <returns>The process and the ready line's match.</returns>
    /// <exception cref="InvalidOperationException">When it cannot start, ends, or is not ready in time; the message
    /// holds what it printed.</exception>
    public static async Task<(TestProcess Process, Match Ready)> StartAsync(ProcessStartInfo start, Regex ready, string name, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{name} could not be started.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException($"{name} could not be started: '{start.FileName}' was not found on PATH.", exception);
        }

        var child = new TestProcess(process);
        var matched = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (child._output)
            {
                child._output.AppendLine(line);
            }

            child._lines.Writer.TryWrite(line);

            if (ready.Match(line) is { Success: true } match)
            {
                matched.TrySetResult(match);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => child.Kill();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(matched.Task, exited, Task.Delay(timeout));
        if (first != matched.Task)
        {
            child.Kill();
            throw new InvalidOperationException(first == exited
                ? $"{name} exited with code {process.ExitCode} before it was ready: {child.Output}"
                : $"{name} was not ready within {timeout.TotalSeconds:0} s: {child.Output}");
        }

        return (child, await matched.Task);
    }

    /// <summary>Runs an ASP.NET Core app's build output (<c>dotnet app.dll</c>, as <c>dotnet run</c> would) on a port it
    /// binds itself (<c>--urls http://127.0.0.1:0</c>), until it says where it listens.</summary>
    /// <param name="assembly">The app's main assembly.</param>
    /// <param name="name">Its name in messages.</param>
    /// <param name="arguments">Its further arguments, e.g. <c>--environment</c>, <c>Production</c>.</param>
    public static async Task<(TestProcess App, Uri Address)> StartAppAsync(string assembly, string name, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(assembly)! };
        foreach (var argument in (string[])[assembly, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Microsoft.Hosting.Lifetime", "Information", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        // Generous: a busy 2-core machine starts a .NET app in seconds; the bound only stops a hung test.
        var (process, ready) = await StartAsync(start, new Regex(@"Now listening on: (http://127\.0\.0\.1:\d+)"), name, TimeSpan.FromSeconds(120));
        return (process, new Uri(ready.Groups[1].Value));
    }

    /// <summary>Writes a line to the process's standard input (started with <c>RedirectStandardInput</c>).</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>The next line printed (after those already read by this method) that matches <paramref name="line"/>.</summary>
    /// <exception cref="InvalidOperationException">When none comes within <paramref name="timeout"/> or the process ends;
    /// the message holds what it printed.</exception>
    public async Task<Match> NextLineAsync(Regex line, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(line);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var read = _lines.Reader.ReadAsync(cancel.Token).AsTask();
                if (await Task.WhenAny(read, _process.WaitForExitAsync(cancel.Token)) != read && !read.IsCompleted)
                {
                    throw new InvalidOperationException($"The process ended (code {_process.ExitCode}) before printing a line matching {line}: {Output}");
                }

                if (line.Match(await read) is { Success: true } match)
                {
                    return match;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"No line matching {line} within {timeout.TotalSeconds:0} s: {Output}");
        }
    }

    /// <summary>Ends the process (and its children) if it still runs.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
