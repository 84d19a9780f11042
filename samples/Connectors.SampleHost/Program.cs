using Connectors.SampleHost;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

var app = SampleHostApp.Build(args);
try
{
    await app.StartAsync();
}
catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    await Console.Error.WriteLineAsync($"{e.Message} Start it on another address: dotnet run --project samples/Connectors.SampleHost -- --urls http://127.0.0.1:5081 (the quick start's Development settings expect the simulators on 127.0.0.1:5080).");
    return 1;
}

var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
Console.WriteLine($"Connectors sample host is running{(SampleHostApp.SimulatorsEnabled(app.Configuration) ? " with simulated WeCom, Hugging Face and Mailgun" : string.Empty)}.");
Console.WriteLine($"Open {addresses.FirstOrDefault()} in a browser. Press Ctrl+C to stop.");
await app.WaitForShutdownAsync();
return 0;
