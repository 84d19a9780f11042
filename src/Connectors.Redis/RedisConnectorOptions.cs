using Connectors.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Connectors.Redis;

/// <summary>Where and how Connectors keeps shared state on Redis (<c>UseRedis</c>).</summary>
public sealed class RedisConnectorOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis.internal:6379,password=...,ssl=true</c>.
    /// Null (default) to use the <see cref="IConnectionMultiplexer"/> the host registers.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prepended to every key Connectors writes (which begin with <c>connectors:</c> and hold hashes, never an
    /// address, code or state). Set it when several applications share one Redis database, e.g. <c>myidp:</c>.
    /// Default empty.</summary>
    public string KeyPrefix { get; set; } = string.Empty;

    /// <summary>The Redis database number; -1 (default) for the connection's default database.</summary>
    public int Database { get; set; } = -1;
}

/// <summary>Validates <see cref="RedisConnectorOptions"/> at host start (registered by <c>UseRedis</c>).</summary>
internal sealed class RedisConnectorOptionsValidator(IServiceProviderIsService services) : IValidateOptions<RedisConnectorOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisConnectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.Configuration is null)
        {
            if (!services.IsService(typeof(IConnectionMultiplexer)))
            {
                problems.Add("RedisConnectorOptions.Configuration must be set (a StackExchange.Redis configuration string such as 'localhost:6379'), or an IConnectionMultiplexer registered.");
            }
        }
        else
        {
            // The parser's own message can quote a value of the string, which may be a password: not repeated here.
            ConfigurationOptions? parsed = null;
            try
            {
                parsed = ConfigurationOptions.Parse(options.Configuration);
            }
            catch (ArgumentException)
            {
            }

            if (parsed is null)
            {
                problems.Add("RedisConnectorOptions.Configuration is not a valid StackExchange.Redis configuration string (see https://stackexchange.github.io/StackExchange.Redis/Configuration).");
            }
            else if (parsed.EndPoints.Count == 0)
            {
                problems.Add("RedisConnectorOptions.Configuration names no Redis endpoint (host:port, or ! then a unix socket path).");
            }
        }

        if (options.KeyPrefix is null || options.KeyPrefix.Length > 64 || options.KeyPrefix.Any(c => c <= ' ' || c == '\u007F'))
        {
            problems.Add("RedisConnectorOptions.KeyPrefix must be at most 64 visible characters without spaces.");
        }

        if (options.Database < -1)
        {
            problems.Add($"RedisConnectorOptions.Database must be -1 (the default database) or a database number (was {options.Database}).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>With <c>UseRedis</c>, verification codes are shared between instances, so they must be hashed alike.</summary>
internal sealed class RedisVerificationCodeOptionsValidator : IValidateOptions<VerificationCodeOptions>
{
    public ValidateOptionsResult Validate(string? name, VerificationCodeOptions options) =>
        options?.HashKey is null
            ? ValidateOptionsResult.Fail("VerificationCodeOptions.HashKey must be set with UseRedis: every instance must hash codes with the same key (32 random bytes or more, from a secret store).")
            : ValidateOptionsResult.Success;
}
