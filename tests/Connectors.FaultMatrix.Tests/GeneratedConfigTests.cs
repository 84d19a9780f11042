using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.OAuth;
using Connectors.WeCom;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Connectors.FaultMatrix.Tests;

/// <summary>
/// Configs are tenant input in a multi-tenant host. Hundreds of generated configs per connector (wrong types, lone
/// surrogates, control characters, deep JSON, huge strings, deep and huge templates, brace soup, thousands of
/// deliveries) must each give a list of problems from <c>Validate</c> and, from <c>Create</c>, a connector or an
/// <see cref="ConnectorErrorCode.InvalidConfig"/>: never another exception, never a crash, in bounded time.
/// </summary>
public sealed class GeneratedConfigTests(ITestOutputHelper output)
{
    private const int ConfigsPerConnector = 400;

    public static TheoryData<string, string> Connectors => new()
    {
        { WeComConnectorFactory.ConnectorId, """{ "corpId": "ww1234567890abcdef", "agentId": "1000002", "secret": "s3cr3t", "scope": "snsapi_privateinfo" }""" },
        { HuggingFaceConnectorFactory.ConnectorId, """{ "clientId": "client", "clientSecret": "secret", "scope": "openid profile email" }""" },
        {
            OAuth2ConnectorFactory.ConnectorId,
            """
            { "authorizationEndpoint": "https://github.com/login/oauth/authorize", "tokenEndpoint": "https://github.com/login/oauth/access_token",
              "userInfoEndpoint": "https://api.github.com/user", "clientId": "c", "clientSecret": "s", "tokenEndpointAuthMethod": "client_secret_basic",
              "scope": "read:user", "profileMap": { "id": "id", "avatar": "avatar_url" }, "customConfig": { "audience": "x" } }
            """
        },
        {
            OidcConnectorFactory.ConnectorId,
            """
            { "authorizationEndpoint": "https://accounts.example.com/authorize", "tokenEndpoint": "https://accounts.example.com/token", "clientId": "c", "clientSecret": "s",
              "idTokenVerificationConfig": { "jwksUri": "https://accounts.example.com/jwks", "issuer": ["https://accounts.example.com"], "clockTolerance": "5 minutes", "algorithms": ["RS256"] },
              "authRequestOptionalConfig": { "prompt": "consent" }, "trustUnverifiedEmail": false }
            """
        },
        {
            MailgunConnectorFactory.ConnectorId,
            """
            { "endpoint": "https://api.eu.mailgun.net", "domain": "mg.example.com", "apiKey": "key", "from": "Example <noreply@mg.example.com>",
              "deliveries": {
                "SignIn": { "subject": "Code {{code}}", "html": "<p>{{#if user}}Hi {{user.name}}{{/if}} {{code}}</p>", "text": "{{code}}", "locales": { "zh-CN": { "subject": "验证码 {{code}}", "html": "<p>{{code}}</p>" } } },
                "Generic": { "template": "verification", "variables": { "brand": "Example" } }
              } }
            """
        },
    };

    [Theory]
    [MemberData(nameof(Connectors))]
    public void Generated_configs_give_InvalidConfig_or_a_connector_and_nothing_else(string connectorId, string baseConfig)
    {
        using var services = ConnectorHost.Build(new FakeLoggerProvider(), b => b.AddWeCom().AddHuggingFace().AddMailgun().AddOAuth2().AddOidc());
        var registry = services.GetRequiredService<IConnectorRegistry>();
        var factory = registry.Factories[connectorId];
        var random = new Random(20261122 + connectorId.Length);
        var slowest = TimeSpan.Zero;
        var outcomes = new Dictionary<string, int>();
        var total = Stopwatch.StartNew();

        for (var i = 0; i < ConfigsPerConnector; i++)
        {
            var node = JsonNode.Parse(baseConfig)!;
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations; m++)
            {
                node = Mutate(node, random, depth: 0) ?? JsonValue.Create("null config");
            }

            var text = node.ToJsonString();
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 256 });
            var watch = Stopwatch.StartNew();
            IReadOnlyList<ConfigError>? errors = null;
            string outcome;
            try
            {
                errors = factory.Validate(document.RootElement);
                registry.Create(connectorId, document.RootElement);
                outcome = "created";
                errors.Should().BeEmpty($"config {i} was created, so validation must accept it: {Shorten(text)}");
            }
            catch (ConnectorException exception)
            {
                outcome = exception.WireCode;
                exception.Code.Should().Be(ConnectorErrorCode.InvalidConfig, $"config {i}: {Shorten(text)}");
                errors.Should().NotBeNull().And.NotBeEmpty($"config {i} was refused by Create, so Validate must list why: {Shorten(text)}");
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException($"config {i} threw {exception.GetType().Name}, not a ConnectorException: {Shorten(text)}", exception);
            }

            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        output.WriteLine($"{connectorId}: {ConfigsPerConnector} configs in {total.Elapsed.TotalSeconds:0.00} s, slowest {slowest.TotalMilliseconds:0.0} ms; outcomes {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}");

        // Generous bounds for a busy 2-core machine: validation is linear in a config bounded in size.
        slowest.Should().BeLessThan(TimeSpan.FromSeconds(10), "one config's validation is bounded");
        total.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(120));
        outcomes.Keys.Should().Contain("invalid_config", "the generator does produce invalid configs");
    }

    private static JsonNode? Mutate(JsonNode node, Random random, int depth)
    {
        if (node is JsonObject obj && (depth == 0 || random.Next(3) > 0))
        {
            var keys = obj.Select(p => p.Key).ToList();
            switch (random.Next(5))
            {
                case 0 when keys.Count > 0:
                    obj.Remove(keys[random.Next(keys.Count)]);
                    return node;
                case 1:
                    obj[RandomKey(random)] = RandomValue(random);
                    return node;
                case 2 when keys.Count > 0:
                {
                    var key = keys[random.Next(keys.Count)];
                    var child = obj[key];
                    obj[key] = child is null ? RandomValue(random) : Mutate(child.DeepClone(), random, depth + 1);
                    return node;
                }

                case 3 when keys.Contains("deliveries"):
                    obj["deliveries"] = RandomDeliveries(random);
                    return node;
                default:
                    if (keys.Count > 0)
                    {
                        obj[keys[random.Next(keys.Count)]] = RandomValue(random);
                    }

                    return node;
            }
        }

        return RandomValue(random);
    }

    private static JsonNode RandomDeliveries(Random random)
    {
        var deliveries = new JsonObject();
        var many = random.Next(6) == 0;
        var count = many ? random.Next(900, 2100) : random.Next(0, 5);
        for (var i = 0; i < count; i++)
        {
            var delivery = new JsonObject();
            foreach (var part in new[] { "subject", "html", "text", "template", "replyTo" })
            {
                if (random.Next(2) == 0)
                {
                    // Many deliveries test the count bound; huge templates come in small configs (the size bound).
                    delivery[part] = many ? "Code {{code}}" : random.Next(4) == 0 ? RandomValue(random) : RandomTemplate(random);
                }
            }

            if (random.Next(5) == 0)
            {
                delivery["locales"] = new JsonObject { [RandomKey(random)] = new JsonObject { ["html"] = RandomTemplate(random) } };
            }

            if (random.Next(6) == 0)
            {
                delivery["variables"] = RandomValue(random);
            }

            deliveries[$"{RandomKey(random)}{i}"] = delivery;
        }

        return deliveries;
    }

    private static string RandomTemplate(Random random)
    {
        string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));
        return random.Next(10) switch
        {
            0 => Repeat("{{#each a}}", random.Next(1, 3000)) + "x" + Repeat("{{/each}}", random.Next(1, 3000)),
            1 => "{{a " + Repeat("(b ", random.Next(1, 3000)) + Repeat(")", random.Next(1, 3000)) + "}}",
            2 => new string('x', random.Next(100_000, 1_200_000)),
            3 => Soup(random),
            4 => "{{> partial}}{{log code}}{{a key=value}}{{#if (eq a b)}}{{/if}}",
            5 => "{{#if a}}{{else}}{{else}}{{/if}}{{#each}}{{/each}}{{#unless}}{{/unless}}",
            6 => "ww\ud800 {{code}} \udfff",
            7 => "{{#if user}}{{user.name}}{{else if code}}{{code}}{{else}}-{{/if}}{{#each items}}{{@index}}{{this}}{{/each}}",
            _ => "Your code is {{ code }} for {{application.name}}",
        };
    }

    private static string Soup(Random random)
    {
        string[] pieces = ["{{", "}}", "{{{", "}}}", "#if", "#each", "/if", "/each", "else", "~", "!", "--", "a", ".", "..", "/", "@index", "(", ")", " ", "\"", "=", "\\", "\n", "[", "]", "&", "^", ">"];
        var builder = new StringBuilder();
        for (var i = random.Next(1, 200); i > 0; i--)
        {
            builder.Append(pieces[random.Next(pieces.Length)]);
        }

        return builder.ToString();
    }

    private static string RandomKey(Random random) => random.Next(8) switch
    {
        0 => "\ud800",
        1 => new string('k', random.Next(1, 5000)),
        2 => "line\r\nbreak",
        3 => string.Empty,
        _ => new[] { "corpId", "agentId", "secret", "appSecret", "scope", "clientId", "clientSecret", "endpoint", "domain", "apiKey", "from", "deliveries", "SignIn", "Generic", "zh-CN",
            "authorizationEndpoint", "tokenEndpoint", "userInfoEndpoint", "tokenEndpointAuthMethod", "profileMap", "customConfig", "idTokenVerificationConfig", "jwksUri", "issuer", "algorithms", "clockTolerance", "authRequestOptionalConfig", "enablePkce" }[random.Next(28)],
    };

    private static JsonNode? RandomValue(Random random) => random.Next(18) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next()),
        2 => JsonValue.Create(1e308),
        3 => JsonValue.Create(-0.0),
        4 => JsonValue.Create(random.Next(2) == 0),
        5 => new JsonArray(JsonValue.Create("a"), JsonValue.Create(1)),
        6 => new JsonObject { ["x"] = "y" },
        7 => JsonValue.Create(string.Empty),
        8 => JsonValue.Create("   \t "),
        9 => JsonValue.Create("ww\ud800"),
        10 => JsonValue.Create("\udfffx"),
        11 => JsonValue.Create(new string('z', random.Next(10_000, 200_000))),
        12 => JsonValue.Create("a\0b\r\nc\u202Ed"),
        13 => JsonValue.Create("https://evil.com\uFF0F.mailgun.net"),
        14 => JsonValue.Create("-1"),
        15 => Deep(random.Next(1, 200)),
        16 => JsonValue.Create("用户 <a@例子.广告>"),
        _ => JsonValue.Create(RandomTemplate(random)),
    };

    private static JsonNode Deep(int depth)
    {
        JsonNode node = JsonValue.Create("leaf");
        for (var i = 0; i < depth; i++)
        {
            node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["d"] = node };
        }

        return node;
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + $"… ({text.Length} chars)";
}
