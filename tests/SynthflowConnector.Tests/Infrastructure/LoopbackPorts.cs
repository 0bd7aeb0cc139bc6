using System.Net;
using System.Net.Sockets;

namespace SynthflowConnector.Tests.Infrastructure;

/// <summary>Loopback ports for the processes tests start (Azurite, the Host, build.sh).</summary>
public static class LoopbackPorts
{
    /// <summary>A port nothing listens on now (the OS picks it; the caller binds it soon after).</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    public static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
