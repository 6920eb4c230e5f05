using System.Buffers;
using System.Threading.Channels;
using Google.Protobuf;

namespace AkkaLockstep.Wire.Framing;

/// <summary>
/// The single writer of a connection: drains a channel of messages into one buffer and writes the batch with
/// one call, so under load many frames share a write syscall and callers never contend for the stream.
/// </summary>
public static class FrameWriteLoop
{
    /// <summary>A batch is sent once it reaches this size even if more messages are waiting.</summary>
    public const int BatchBytes = 256 * 1024;

    /// <summary>Largest buffer kept between batches: a batch plus a megabyte piece of a full copy.</summary>
    private const int KeptBufferBytes = 4 << 20;

    /// <summary>
    /// Runs until the channel is completed (then returns) or the stream fails (then throws). A message that cannot
    /// be framed (over the size limit) is handed to <paramref name="onUnwritable"/> and skipped.
    /// </summary>
    /// <param name="onTaken">Called with each message taken from the channel (a sender that bounds what is queued).</param>
    public static async Task RunAsync<T>(
        ChannelReader<T> messages, Stream output, Action<T, FrameException> onUnwritable,
        CancellationToken cancellationToken, Action<T>? onTaken = null)
        where T : IMessage
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        while (await messages.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (buffer.WrittenCount < BatchBytes && messages.TryRead(out var message))
            {
                onTaken?.Invoke(message);
                try
                {
                    FrameEncoder.Write(buffer, message);
                }
                catch (FrameException ex)
                {
                    onUnwritable(message, ex);
                }
            }
            if (buffer.WrittenCount == 0) continue;
            await output.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            // Keep the buffer for the next batch (a connection carrying megabyte pieces would otherwise allocate one
            // per piece) unless one huge frame blew it up.
            if (buffer.Capacity > KeptBufferBytes) buffer = new ArrayBufferWriter<byte>(16 * 1024);
            else buffer.ResetWrittenCount();
        }
    }
}
