using System.Net;
using System.Net.Sockets;

namespace AkkaLockstep.Cli.LocalCluster;

/// <summary>Checks that a loopback TCP port can be bound, so `up` fails before starting anything rather than half-way.</summary>
public static class PortProbe
{
    public static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
