using Connectors.SampleHost;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

var app = SampleHostApp.Build(args);
await app.StartAsync();
var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
Console.WriteLine($"Connectors sample host is running{(SampleHostApp.SimulatorsEnabled(app.Configuration) ? " with simulated WeCom, Hugging Face and Mailgun" : string.Empty)}.");
Console.WriteLine($"Open {addresses.FirstOrDefault()} in a browser. Press Ctrl+C to stop.");
await app.WaitForShutdownAsync();
