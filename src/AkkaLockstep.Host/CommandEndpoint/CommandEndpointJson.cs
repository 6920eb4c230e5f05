using System.Text.Json;

namespace AkkaLockstep.Host.CommandEndpoint;

/// <summary>The JSON shape of the command endpoint, shared by the server and its clients (camelCase, web defaults).</summary>
public static class CommandEndpointJson
{
    public static readonly JsonSerializerOptions Options = Create();

    public static void Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.PropertyNameCaseInsensitive = true;
    }

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(o);
        return o;
    }
}
