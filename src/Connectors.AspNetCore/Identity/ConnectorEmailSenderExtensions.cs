using Connectors.AspNetCore;
using Microsoft.AspNetCore.Identity;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="ConnectorEmailSender{TUser}"/>.</summary>
public static class ConnectorEmailSenderExtensions
{
    /// <summary>Sends ASP.NET Core Identity's confirmation and password reset mail through an email connector (its
    /// package must be registered: <c>services.AddConnectors().AddMailgun()</c>).</summary>
    public static IServiceCollection AddConnectorEmailSender<TUser>(this IServiceCollection services, Action<ConnectorEmailSenderOptions> configure)
        where TUser : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        services.AddSingleton<IEmailSender<TUser>, ConnectorEmailSender<TUser>>();
        return services;
    }
}
