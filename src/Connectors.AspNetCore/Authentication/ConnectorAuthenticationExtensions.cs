using Connectors.Abstractions;
using Connectors.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers connector authentication schemes.</summary>
public static class ConnectorAuthenticationExtensions
{
    /// <summary>
    /// Adds a scheme that signs users in with a social connector. The connector's package must be registered
    /// (<c>services.AddConnectors().AddWeCom()</c>...). <see cref="RemoteAuthenticationOptions.CallbackPath"/> defaults to
    /// <c>/signin-{scheme}</c>; give the config with <see cref="ConnectorAuthenticationOptions.Config"/>,
    /// <see cref="ConnectorAuthenticationOptions.Configuration"/> or <see cref="ConnectorAuthenticationOptions.ConfigResolver"/>.
    /// </summary>
    public static AuthenticationBuilder AddConnector(this AuthenticationBuilder builder, string authenticationScheme, string? displayName, Action<ConnectorAuthenticationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddDataProtection();
        builder.Services.TryAddSingleton<ConnectorInstances>();
        builder.Services.TryAddSingleton<ConsumedAttempts>();
        builder.Services.AddOptions<ConnectorReplayOptions>().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectorReplayOptions>, ConnectorReplayOptionsValidator>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ConnectorAuthenticationOptions>, ConnectorAuthenticationPostConfigure>());
        builder.Services.AddSingleton<IValidateOptions<ConnectorAuthenticationOptions>>(services => new ConnectorAuthenticationOptionsValidator(authenticationScheme, services));
        builder.Services.AddOptions<ConnectorAuthenticationOptions>(authenticationScheme).ValidateOnStart();
        return builder.AddRemoteScheme<ConnectorAuthenticationOptions, ConnectorAuthenticationHandler>(authenticationScheme, displayName, options =>
        {
            options.CallbackPath = "/signin-" + authenticationScheme;
            configure(options);
        });
    }

    private sealed class ConnectorAuthenticationPostConfigure(IDataProtectionProvider dataProtection, TimeProvider? time = null) : IPostConfigureOptions<ConnectorAuthenticationOptions>
    {
        public void PostConfigure(string? name, ConnectorAuthenticationOptions options)
        {
            options.DataProtectionProvider ??= dataProtection;
            options.TimeProvider ??= time;
            if (options.Configuration is { } section && options.Config is null)
            {
                options.Config = ConnectorConfiguration.ToJson(section);
                options.Configuration = null;
                options.Section = section;
            }
        }
    }

    // A scheme's options and its connector's config are checked when the host starts (a config the resolver gives is
    // checked at each sign-in), so that a typo stops the host instead of failing the first sign-in with a 500.
    private sealed class ConnectorAuthenticationOptionsValidator(string scheme, IServiceProvider services) : IValidateOptions<ConnectorAuthenticationOptions>
    {
        public ValidateOptionsResult Validate(string? name, ConnectorAuthenticationOptions options)
        {
            if (name != scheme)
            {
                return ValidateOptionsResult.Skip;
            }

            try
            {
                options.Validate(name ?? string.Empty);
                if (options.ConfigResolver is null)
                {
                    var registry = services.GetService<IConnectorRegistry>()
                        ?? throw new InvalidOperationException($"The connector scheme '{name}' needs the connectors and its connector's package: services.AddConnectors().AddWeCom() (or another).");
                    _ = options.Section is { } section
                        ? registry.Create<ISocialConnector>(options.ConnectorId, section)
                        : registry.Create<ISocialConnector>(options.ConnectorId, options.Config!.Value);
                }

                return ValidateOptionsResult.Success;
            }
            catch (ConnectorException exception)
            {
                return ValidateOptionsResult.Fail($"The connector scheme '{name}': {exception.Message}");
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
            {
                return ValidateOptionsResult.Fail(exception.Message);
            }
        }
    }

    // Registered once however many schemes are added (a Validate(...) per AddConnector call would run once per scheme).
    private sealed class ConnectorReplayOptionsValidator : IValidateOptions<ConnectorReplayOptions>
    {
        public ValidateOptionsResult Validate(string? name, ConnectorReplayOptions options) => options.Capacity >= 1
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"ConnectorReplayOptions.Capacity must be at least 1 (was {options.Capacity}).");
    }
}
