// An OpenID Provider on OpenIddict + ASP.NET Core Identity (SQLite) whose users sign in with WeCom, Hugging Face or
// an emailed code through Connectors; apps written for Logto sign in through it unchanged (README.md).
var app = IdentityServer.IdentityServerApp.Build(args);
await IdentityServer.IdentityServerApp.PrepareAsync(app);
app.Run();
