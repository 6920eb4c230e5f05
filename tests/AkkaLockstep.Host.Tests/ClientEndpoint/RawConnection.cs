using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using AkkaLockstep.Host.ClientEndpoint;
using AkkaLockstep.Wire;
using AkkaLockstep.Wire.Framing;

namespace AkkaLockstep.Host.Tests.ClientEndpoint;

/// <summary>A bare TCP connection to a server, for sending exact (including broken) bytes.</summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly FrameReader<HostFrame> _reader;

    private RawConnection(TcpClient tcp)
    {
        _tcp = tcp;
        _reader = new FrameReader<HostFrame>(PipeReader.Create(tcp.GetStream()), HostFrame.Parser);
    }

    public static async Task<RawConnection> OpenAsync(ClientEndpointServer server)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(server.LocalEndPoint);
        return new RawConnection(tcp);
    }

    public Task SendAsync(params ClientFrame[] frames)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var frame in frames) FrameEncoder.Write(buffer, frame);
        return SendRawAsync(buffer.WrittenSpan.ToArray());
    }

    public async Task SendRawAsync(byte[] bytes) => await _tcp.GetStream().WriteAsync(bytes);

    /// <summary>Tells the server no more bytes are coming (it sees end of stream).</summary>
    public void FinishSending() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>The next frame, or null when the server closed the connection.</summary>
    public async Task<HostFrame?> ReceiveAsync(int timeoutMs = 5000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        try
        {
            return await _reader.ReadAsync(timeout.Token);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Reads until the server closes the connection; returns the frames received before that.</summary>
    public async Task<List<HostFrame>> ReceiveUntilClosedAsync(int timeoutMs = 5000)
    {
        var frames = new List<HostFrame>();
        while (await ReceiveAsync(timeoutMs) is { } frame) frames.Add(frame);
        return frames;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
