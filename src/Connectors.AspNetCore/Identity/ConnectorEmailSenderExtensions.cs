using Connectors.Abstractions;
using Connectors.AspNetCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="ConnectorEmailSender{TUser}"/> and <see cref="EmailCodeSignIn{TUser}"/>.</summary>
public static class ConnectorEmailSenderExtensions
{
    /// <summary>Sends ASP.NET Core Identity's confirmation and password reset mail through an email connector (its
    /// package must be registered: <c>services.AddConnectors().AddMailgun()</c>). The options are checked at start.</summary>
    public static IServiceCollection AddConnectorEmailSender<TUser>(this IServiceCollection services, Action<ConnectorEmailSenderOptions> configure)
        where TUser : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ConnectorEmailSenderOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectorEmailSenderOptions>, ConnectorEmailSenderOptionsValidator>());
        services.TryAddSingleton<IdentityEmailConnector>();
        services.AddSingleton<IEmailSender<TUser>>(provider => new ConnectorEmailSender<TUser>(provider.GetRequiredService<IdentityEmailConnector>()));
        return services;
    }

    /// <summary>
    /// Adds <see cref="EmailCodeSignIn{TUser}"/> (scoped): passwordless sign-in to ASP.NET Core Identity with a code
    /// mailed through the connector of <see cref="AddConnectorEmailSender{TUser}"/>, with the limits of
    /// <c>AddVerificationCodes</c>. Needs Identity with a user store that keeps emails and a sign-in manager; checked
    /// at start.
    /// </summary>
    public static IServiceCollection AddEmailCodeSignIn<TUser>(this IServiceCollection services, Action<EmailCodeSignInOptions>? configure = null)
        where TUser : class, new()
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<EmailCodeSignInOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailCodeSignInOptions>, EmailCodeSignInOptionsValidator<TUser>>());
        services.TryAddSingleton<IdentityEmailConnector>();
        services.AddOptions<ConnectorEmailSenderOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectorEmailSenderOptions>, ConnectorEmailSenderOptionsValidator>());
        services.AddScoped(provider => new EmailCodeSignIn<TUser>(
            provider.GetRequiredService<VerificationCodeService>(),
            provider.GetRequiredService<IdentityEmailConnector>(),
            provider.GetRequiredService<UserManager<TUser>>(),
            provider.GetRequiredService<SignInManager<TUser>>(),
            provider.GetRequiredService<IUserStore<TUser>>(),
            provider.GetRequiredService<IOptions<EmailCodeSignInOptions>>().Value));
        return services;
    }
}
