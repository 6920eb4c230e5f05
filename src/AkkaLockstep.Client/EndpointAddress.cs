using System.Net;

namespace AkkaLockstep.Client;

/// <summary>Parses "host:port" endpoint strings ("127.0.0.1:7000", "[::1]:7000", "h1.local:7000").</summary>
internal static class EndpointAddress
{
    public static EndPoint Parse(string endpoint)
    {
        if (IPEndPoint.TryParse(endpoint, out var ip) && ip.Port != 0) return ip;
        var colon = endpoint.LastIndexOf(':');
        if (colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), out var port) && port is > 0 and <= 65535)
            return new DnsEndPoint(endpoint[..colon], port);
        throw new ArgumentException($"'{endpoint}' is not a host:port endpoint", nameof(endpoint));
    }
}
