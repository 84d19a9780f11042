using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Connectors.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Connectors' shared state on Redis.</summary>
public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// Keeps Connectors' shared state on Redis, for several server instances: verification codes
    /// (<see cref="RedisVerificationCodeStore"/>, exact limits across instances; <see cref="VerificationCodeOptions.HashKey"/>
    /// is then required), application tokens (one instance refreshes for all; a Redis outage is a cache miss) and the
    /// replay memory of the ASP.NET Core schemes. Options are validated at host start. Call it before or after the
    /// providers and <c>AddVerificationCodes</c>; safe to call more than once.
    /// </summary>
    /// <param name="builder">The Connectors builder.</param>
    /// <param name="configuration">A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>.</param>
    /// <param name="configure">Further options; may be null.</param>
    public static ConnectorsBuilder UseRedis(this ConnectorsBuilder builder, string configuration, Action<RedisConnectorOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(configuration);
        return builder.UseRedis(options =>
        {
            options.Configuration = configuration;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// As <see cref="UseRedis(ConnectorsBuilder, string, Action{RedisConnectorOptions})"/>, on the host's registered
    /// <c>IConnectionMultiplexer</c> unless <paramref name="configure"/> sets <see cref="RedisConnectorOptions.Configuration"/>.
    /// </summary>
    /// <param name="builder">The Connectors builder.</param>
    /// <param name="configure">The options (<c>_ => { }</c> for the defaults on the host's multiplexer).</param>
    public static ConnectorsBuilder UseRedis(this ConnectorsBuilder builder, Action<RedisConnectorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        var options = services.AddOptions<RedisConnectorOptions>();
        options.Configure(configure);

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisConnectorOptions>, RedisConnectorOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VerificationCodeOptions>, RedisVerificationCodeOptionsValidator>());
        services.TryAddSingleton<RedisConnection>();
        services.Replace(ServiceDescriptor.Singleton<IVerificationCodeStore>(sp => new RedisVerificationCodeStore(sp.GetRequiredService<RedisConnection>())));
        services.Replace(ServiceDescriptor.Singleton<ISharedTokenStore>(sp => new RedisTokenStore(sp.GetRequiredService<RedisConnection>())));
        services.Replace(ServiceDescriptor.Singleton<IReplayStore>(sp => new RedisReplayStore(sp.GetRequiredService<RedisConnection>())));
        return builder;
    }
}
