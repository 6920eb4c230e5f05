using System.Buffers.Binary;
using System.IO.Pipelines;

namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>An interactive in-memory connection: the test writes messages and reads answers as the gateway sends them.</summary>
internal sealed class PipeConnection : IAsyncDisposable
{
    readonly Pipe _toServer = new();
    readonly Pipe _toClient = new();
    readonly Stream _clientReads;
    readonly Stream _clientWrites;

    public PipeConnection(PgGateway gateway)
    {
        _clientReads = _toClient.Reader.AsStream();
        _clientWrites = _toServer.Writer.AsStream();
        var serverSide = new CombinedStream(_toServer.Reader.AsStream(), _toClient.Writer.AsStream());
        Ended = Task.Run(async () =>
        {
            var end = await gateway.ServeAsync(serverSide, CancellationToken.None);
            await _toClient.Writer.CompleteAsync();
            return end;
        });
    }

    public Task<PgConnectionEnd> Ended { get; }

    public async Task SendAsync(FrontendWriter messages)
    {
        await _clientWrites.WriteAsync(messages.ToArray());
        await _clientWrites.FlushAsync();
    }

    /// <summary>The next backend message (or the single byte of an encryption answer when <paramref name="encryptionAnswer"/>).</summary>
    public async Task<BackendMessage> ReadAsync(bool encryptionAnswer = false)
    {
        if (encryptionAnswer)
        {
            var answer = new byte[1];
            await _clientReads.ReadExactlyAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            return new BackendMessage(BackendMessage.EncryptionAnswer, answer);
        }

        var header = new byte[5];
        await _clientReads.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await _clientReads.ReadExactlyAsync(payload).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return new BackendMessage((char)header[0], payload);
    }

    /// <summary>Reads messages up to and including the next one of <paramref name="type"/>.</summary>
    public async Task<List<BackendMessage>> ReadUntilAsync(char type)
    {
        var messages = new List<BackendMessage>();
        do
            messages.Add(await ReadAsync());
        while (messages[^1].Type != type);
        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        await _toServer.Writer.CompleteAsync();
        await Ended.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
