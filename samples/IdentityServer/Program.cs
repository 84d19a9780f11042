// An OpenID Provider on OpenIddict + ASP.NET Core Identity (SQLite) whose users sign in with WeCom, Hugging Face or
// an emailed code through Connectors; apps written for Logto sign in through it unchanged (README.md).
var app = IdentityServer.IdentityServerApp.Build(args);
await IdentityServer.IdentityServerApp.PrepareAsync(app);
try
{
    app.Run();
}
catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
{
    Console.Error.WriteLine($"{e.Message} Start it on another address: dotnet run --project samples/IdentityServer -- --urls http://127.0.0.1:5091 (and give the apps that issuer).");
    Environment.ExitCode = 1;
}
