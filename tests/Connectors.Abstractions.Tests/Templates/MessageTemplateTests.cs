using System.Diagnostics;
using System.Text.Json;

namespace Connectors.Abstractions.Tests.Templates;

public sealed class MessageTemplateTests
{
    private static readonly JsonElement Data = ConnectorHost.Json("""
        {
          "code": "483920", "count": 0, "price": 1.5, "yes": true, "no": false, "nothing": null, "empty": "",
          "user": { "name": "Ada", "primaryEmail": "ada@example.com" },
          "application": { "name": "<Bookstore & Co>", "customData": { "baz": [1, 2] } },
          "items": ["a", "b", "c"], "none": [],
          "roles": { "admin": "yes", "editor": "no" },
          "weird key": "spaced"
        }
        """);

    private static string Render(string template, TemplateEscaping escaping = TemplateEscaping.None) =>
        MessageTemplate.Parse(template).Render(Data, escaping);

    [Theory]
    [InlineData("{{code}}", "483920")]
    [InlineData("{{     code }}", "483920")]
    [InlineData("{{user.primaryEmail}}", "ada@example.com")]
    [InlineData("{{user/name}}", "Ada")]
    [InlineData("{{ application.customData.baz.1 }}", "2")]
    [InlineData("{{application.customData.bar}}", "")]
    [InlineData("{{missing.value}}", "")]
    [InlineData("{{nothing}}", "")]
    [InlineData("{{count}}|{{price}}|{{yes}}|{{no}}", "0|1.5|true|false")]
    [InlineData("{{user}}|{{items}}", "|")]
    [InlineData("{{[weird key]}}", "spaced")]
    [InlineData("{{lookup}}", "")]
    [InlineData("{{this.code}}", "483920")]
    [InlineData(@"\{{code}}", "{{code}}")]
    [InlineData("a{{! a comment }}b{{!-- with }} inside --}}c", "abc")]
    public void Placeholders_render_values_by_path(string template, string expected) =>
        Render(template).Should().Be(expected);

    [Fact]
    public void Html_escaping_applies_to_double_braces_only()
    {
        Render("{{application.name}}|{{{application.name}}}|{{& application.name}}", TemplateEscaping.Html)
            .Should().Be("&lt;Bookstore &amp; Co&gt;|<Bookstore & Co>|<Bookstore & Co>");
        Render("{{application.name}}").Should().Be("<Bookstore & Co>");
        MessageTemplate.Parse("{{v}}").Render(ConnectorHost.Json("""{ "v": "\"'`=" }"""), TemplateEscaping.Html).Should().Be("&quot;&#x27;&#x60;&#x3D;");
    }

    [Theory]
    [InlineData("{{#if code}}yes{{else}}no{{/if}}", "yes")]
    [InlineData("{{#if count}}yes{{else}}no{{/if}}", "no")]
    [InlineData("{{#if empty}}yes{{else}}no{{/if}}", "no")]
    [InlineData("{{#if none}}yes{{else}}no{{/if}}", "no")]
    [InlineData("{{#if nothing}}yes{{else}}no{{/if}}", "no")]
    [InlineData("{{#if user}}yes{{/if}}", "yes")]
    [InlineData("{{#unless no}}shown{{/unless}}", "shown")]
    [InlineData("{{#if no}}a{{else if count}}b{{else if yes}}c{{else}}d{{/if}}", "c")]
    [InlineData("{{#each items}}{{@index}}={{this}}{{#unless @last}},{{/unless}}{{/each}}", "0=a,1=b,2=c")]
    [InlineData("{{#each items}}{{#if @first}}[{{/if}}{{.}}{{/each}}", "[abc")]
    [InlineData("{{#each roles}}{{@key}}:{{this}};{{/each}}", "admin:yes;editor:no;")]
    [InlineData("{{#each none}}x{{else}}empty{{/each}}", "empty")]
    [InlineData("{{#each items}}{{../code}}{{/each}}", "483920483920483920")]
    [InlineData("{{#with user}}{{name}} {{@root.code}}{{/with}}", "Ada 483920")]
    [InlineData("{{#with missing}}x{{else}}none{{/with}}", "none")]
    public void Blocks_work_as_in_Handlebars(string template, string expected) =>
        Render(template).Should().Be(expected);

    [Fact]
    public void A_block_tag_alone_on_its_line_removes_the_line_and_tilde_trims_whitespace()
    {
        Render("Hello\n{{#if yes}}\n  code: {{code}}\n{{/if}}\nBye\n").Should().Be("Hello\n  code: 483920\nBye\n");
        Render("Hello\r\n  {{! note }}\r\nBye").Should().Be("Hello\r\nBye");
        Render("a   {{~code~}}   b").Should().Be("a483920b");
        Render("a {{code}} b").Should().Be("a 483920 b");
    }

    [Theory]
    [InlineData("{{#if code}}unclosed", "is not closed")]
    [InlineData("{{#if code}}x{{/each}}", "is closed by")]
    [InlineData("x{{/if}}", "closes no open block")]
    [InlineData("{{else}}", "outside any block")]
    [InlineData("{{code", "is not closed")]
    [InlineData("{{#each}}{{/each}}", "takes exactly one value")]
    [InlineData("{{#unless}}{{/unless}}", "takes exactly one value")]
    [InlineData("{{#if a}}{{else}}{{else}}{{/if}}", "two '{{else}}'")]
    [InlineData("{{> partial}}", "partials")]
    [InlineData("{{log code}}", "helpers are not supported")]
    [InlineData("{{undefinedHelper code}}", "helpers are not supported")]
    [InlineData("{{a key=value}}", "helpers are not supported")]
    [InlineData("{{#if (eq a b)}}x{{/if}}", "takes exactly one value")]
    [InlineData("{{#if (eq)}}x{{/if}}", "subexpressions")]
    [InlineData("{{#lookup a}}x{{/lookup}}", "is not supported")]
    [InlineData("{{^}}", "inverse sections")]
    [InlineData("{{}}", "empty")]
    [InlineData("{{@foo}}", "not a known variable")]
    [InlineData("{{a..b}}", "empty segment")]
    [InlineData("{{!-- open", "comment is not closed")]
    [InlineData("{{[open}}", "unclosed '['")]
    [InlineData("{{a [open}}", "helpers are not supported")]
    public void Unsupported_or_broken_syntax_is_refused_when_parsed(string template, string reason)
    {
        var act = () => MessageTemplate.Parse(template);

        act.Should().Throw<TemplateSyntaxException>().Which.Reason.Should().Contain(reason);
    }

    [Fact]
    public void Nesting_is_bounded_without_exhausting_the_stack()
    {
        string Nested(int depth) => string.Concat(Enumerable.Repeat("{{#each a}}", depth)) + "x" + string.Concat(Enumerable.Repeat("{{/each}}", depth));

        MessageTemplate.Parse(Nested(MessageTemplate.MaxDepth)).Should().NotBeNull();
        var tooDeep = () => MessageTemplate.Parse(Nested(MessageTemplate.MaxDepth + 1));
        tooDeep.Should().Throw<TemplateSyntaxException>().Which.Reason.Should().Contain("nested more than 16");

        // 2,000 levels (the input that crashed Handlebars.Net) and a subexpression 3,000 deep: refused at once.
        var watch = Stopwatch.StartNew();
        ((Action)(() => MessageTemplate.Parse(Nested(2000)))).Should().Throw<TemplateSyntaxException>();
        var subexpression = "{{a " + string.Concat(Enumerable.Repeat("(b ", 3000)) + string.Concat(Enumerable.Repeat(")", 3000)) + "}}";
        ((Action)(() => MessageTemplate.Parse(subexpression))).Should().Throw<TemplateSyntaxException>();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "refusal is linear in the input, not a deep recursion");
    }

    [Fact]
    public void Source_and_output_sizes_are_bounded()
    {
        var tooLong = () => MessageTemplate.Parse(new string('x', MessageTemplate.MaxSourceLength + 1));
        tooLong.Should().Throw<TemplateSyntaxException>().Which.Reason.Should().Contain("longer than");

        var big = ConnectorHost.Json("{ \"rows\": [" + string.Join(',', Enumerable.Repeat("\"" + new string('y', 1000) + "\"", 2000)) + "] }");
        var render = () => MessageTemplate.Parse("{{#each rows}}{{this}}{{/each}}").Render(big, TemplateEscaping.None);
        render.Should().Throw<TemplateRenderException>();
    }

    [Fact]
    public void A_lone_surrogate_in_data_renders_as_a_replacement_character()
    {
        MessageTemplate.Parse("{{v}}").Render(ConnectorHost.Json("""{ "v": "ww\ud800" }"""), TemplateEscaping.None).Should().Be("\uFFFD");
    }

    [Fact]
    public void Nested_loops_over_the_root_end_with_a_render_error_within_the_step_budget()
    {
        var template = MessageTemplate.Parse(string.Concat(Enumerable.Repeat("{{#each @root}}", 12)) + string.Concat(Enumerable.Repeat("{{/each}}", 12)));

        var act = () => template.Render(ConnectorHost.Json("""{ "a": 1, "b": 2, "c": 3, "d": 4 }"""), TemplateEscaping.Html);

        act.Should().Throw<TemplateRenderException>().Which.Message.Should().Contain($"{MessageTemplate.MaxRenderSteps} steps");
    }

    [Fact]
    public void A_render_within_the_step_budget_is_complete()
    {
        // 3 x 3 x 3 iterations, each a node or two: far under the budget.
        var template = MessageTemplate.Parse("{{#each @root}}{{#each @root}}{{#each @root}}.{{/each}}{{/each}}{{/each}}");

        template.Render(ConnectorHost.Json("""{ "a": 1, "b": 2, "c": 3 }"""), TemplateEscaping.None).Should().Be(new string('.', 27));
    }
}
