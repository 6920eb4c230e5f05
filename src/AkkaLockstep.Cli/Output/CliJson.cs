using System.Text.Json;

namespace AkkaLockstep.Cli.Output;

/// <summary>The CLI's own `--json` reports use snake_case names (the command endpoint's replies pass through as they are).</summary>
public static class CliJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
