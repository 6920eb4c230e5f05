using AkkaLockstep.Host.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.CommandEndpoint;

/// <summary>
/// Turns exceptions into <c>{"error":"..."}</c> answers: a <see cref="CommandException"/> keeps its status code,
/// a malformed request is a 400, anything else is a 500 that is logged; the server keeps serving.
/// </summary>
internal sealed class ErrorResponseMiddleware(RequestDelegate next, ILogger log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer.
        }
        catch (CommandException e)
        {
            await WriteAsync(context, e.StatusCode, e.Message);
        }
        catch (BadHttpRequestException e)
        {
            await WriteAsync(context, e.StatusCode, e.Message);
        }
        catch (Exception e)
        {
            log.LogError(e, "Command endpoint {Method} {Path} failed", context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) return;
        context.Response.Clear();
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new ErrorResponse(message), CommandEndpointJson.Options);
    }
}
