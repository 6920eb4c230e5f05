using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using AkkaLockstep.Host.CommandEndpoint;

namespace AkkaLockstep.Cli.Http;

/// <summary>
/// HTTP client of a host's command endpoint. Every failure (unreachable endpoint, error status, unreadable
/// answer) becomes a <see cref="CliException"/> whose message is fit for the user.
/// </summary>
public sealed class CommandEndpointClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _unreachableHint;

    /// <param name="unreachableHint">Appended to the error when the endpoint cannot be reached, e.g. what to try instead.</param>
    public CommandEndpointClient(Uri endpoint, TimeSpan? timeout = null, string unreachableHint = "")
    {
        _http = new HttpClient { BaseAddress = endpoint, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        _unreachableHint = unreachableHint;
    }

    public Uri Endpoint => _http.BaseAddress!;

    public Task<JsonReply<T>> GetAsync<T>(string path, CancellationToken ct) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), ct);

    public Task<JsonReply<T>> PostAsync<T>(string path, object body, CancellationToken ct) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(body, body.GetType(), options: CommandEndpointJson.Options),
        }, ct);

    /// <summary>A POST whose path says it all (no body).</summary>
    public Task<JsonReply<T>> PostAsync<T>(string path, CancellationToken ct) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path), ct);

    public async Task DeleteAsync(string path, CancellationToken ct) =>
        await SendRawAsync(new HttpRequestMessage(HttpMethod.Delete, path), ct);

    /// <summary>A path segment such as a VM name, escaped so any name reaches the server intact.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    private async Task<JsonReply<T>> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        var (path, raw) = await SendRawAsync(request, ct);
        try
        {
            var value = JsonSerializer.Deserialize<T>(raw, CommandEndpointJson.Options)
                        ?? throw new JsonException("the answer is empty");
            return new JsonReply<T>(value, raw);
        }
        catch (JsonException e)
        {
            throw new CliException($"{path} answered something unexpected: {e.Message}");
        }
    }

    private async Task<(string Path, string Body)> SendRawAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var _ = request;
        var path = $"{request.Method} {new Uri(Endpoint, request.RequestUri!)}";
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException s ? s.Message : e.Message;
            throw new CliException($"cannot reach the command endpoint {Endpoint}: {reason}{_unreachableHint}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"{path} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
                throw new CliException(ErrorMessage(response, body));
            return (path, body);
        }
    }

    // The endpoint answers errors as {"error":"..."}; anything else (a proxy, another server) is shown as it came.
    private static string ErrorMessage(HttpResponseMessage response, string body)
    {
        try
        {
            if (JsonSerializer.Deserialize<ErrorResponse>(body, CommandEndpointJson.Options) is { Error: { Length: > 0 } error })
                return error;
        }
        catch (JsonException)
        {
        }
        var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        return body.Length == 0 ? status : $"{status}: {(body.Length > 500 ? body[..500] + "…" : body)}";
    }

    public void Dispose() => _http.Dispose();
}
