using System.Text.Json;
using AkkaLockstep.Host.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace AkkaLockstep.Host.CommandEndpoint;

/// <summary>The routes of the command endpoint; each one is a thin call into <see cref="ICommandApi"/>.</summary>
internal static class CommandEndpointRoutes
{
    public static void Map(IEndpointRouteBuilder app, ICommandApi api)
    {
        app.MapGet("/health", () => api.GetHealth());
        app.MapGet("/metrics", WriteMetricsAsync);

        app.MapGet("/cluster", (CancellationToken ct) => api.GetClusterAsync(ct));
        app.MapGet("/vms", (CancellationToken ct) => api.ListVmsAsync(ct));
        app.MapGet("/vms/{name}", (string name, CancellationToken ct) => api.GetVmAsync(name, ct));
        app.MapPost("/vms", async (HttpRequest request, CancellationToken ct) =>
            await api.ProtectAsync(await ReadProtectRequestAsync(request, ct), ct));
        app.MapDelete("/vms/{name}", async (string name, CancellationToken ct) =>
        {
            await api.UnprotectAsync(name, ct);
            return Results.NoContent();
        });
        app.MapGet("/vms/{name}/local", (string name, CancellationToken ct) => api.GetLocalReplicaAsync(name, ct));
        app.MapGet("/vms/{name}/local/dump", (string name, CancellationToken ct) => api.DumpLocalReplicaAsync(name, ct));
        app.MapPost("/vms/{name}/force-simplex", (string name, CancellationToken ct) => api.ForceSimplexAsync(name, ct));
        app.MapPost("/vms/{name}/verify", (string name, CancellationToken ct) => api.VerifyAsync(name, ct));

        app.MapGet("/local/faults", () => api.GetFaults());
        app.MapPost("/local/faults", async (HttpRequest request, CancellationToken ct) => api.SetFaults(await ReadFaultRequestAsync(request, ct)));
        app.MapDelete("/local/faults", () => api.SetFaults(new FaultRequest([], false)));

        app.MapFallback((HttpRequest r) => Results.Json(
            new ErrorResponse($"no such route: {r.Method} {r.Path}"), CommandEndpointJson.Options, statusCode: 404));
    }

    // Read by hand rather than by parameter binding so a bad body gets a 400 that says what is wrong.
    private static async Task<ProtectRequest> ReadProtectRequestAsync(HttpRequest request, CancellationToken ct)
    {
        ProtectRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<ProtectRequest>(request.Body, CommandEndpointJson.Options, ct);
        }
        catch (JsonException e)
        {
            throw new CommandException(400, $"request body is not a valid ProtectRequest: {e.Message}");
        }
        if (body is null) throw new CommandException(400, "request body is empty; expected {\"name\":...,\"kind\":...}");
        if (string.IsNullOrWhiteSpace(body.Name)) throw new CommandException(400, "name is required");
        if (string.IsNullOrWhiteSpace(body.Kind)) throw new CommandException(400, "kind is required");
        return body;
    }

    private static async Task<FaultRequest> ReadFaultRequestAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<FaultRequest>(request.Body, CommandEndpointJson.Options, ct)
                   ?? throw new CommandException(400, "request body is empty; expected {\"cut\":[...],\"isolate\":false}");
        }
        catch (JsonException e)
        {
            throw new CommandException(400, $"request body is not a valid FaultRequest: {e.Message}");
        }
    }

    private static async Task WriteMetricsAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }
}
