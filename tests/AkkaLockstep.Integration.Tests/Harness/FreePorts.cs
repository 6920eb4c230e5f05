using System.Net;
using System.Net.Sockets;

namespace AkkaLockstep.Integration.Tests.Harness;

public static class FreePorts
{
    /// <summary>Ports the OS reports free right now (bound briefly to port 0 on loopback, all at once so they differ).</summary>
    public static int[] Pick(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }
}
