using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;

namespace AkkaLockstep.Wire.Framing;

/// <summary>
/// Reads frames one at a time from a <see cref="PipeReader"/>. One pipe read usually holds many frames; they are
/// all decoded from that read before the pipe is asked for more, so a busy connection costs one read per batch.
/// Not thread-safe: one reader loop per connection.
/// </summary>
public sealed class FrameReader<T>(PipeReader reader, Func<ReadOnlySequence<byte>, T> parse) where T : class, IMessage<T>
{
    public FrameReader(PipeReader reader, MessageParser<T> parser) : this(reader, parser.ParseFrom)
    {
    }

    private ReadOnlySequence<byte> _buffer;
    private bool _holdsBuffer;
    private bool _completed;

    /// <summary><see cref="Environment.TickCount64"/> of the last time bytes arrived, for liveness checks.</summary>
    public long LastReceiveTicks { get; private set; } = Environment.TickCount64;

    /// <summary>
    /// Next frame, or null when the peer closed the stream cleanly between frames. Throws
    /// <see cref="FrameException"/> for malformed input, including a stream that ends inside a frame.
    /// </summary>
    public async ValueTask<T?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_holdsBuffer)
            {
                if (FrameDecoder.TryDecode(ref _buffer, parse, out var message)) return message;
                var leftover = _buffer.Length;
                reader.AdvanceTo(_buffer.Start, _buffer.End);
                _holdsBuffer = false;
                if (_completed)
                {
                    if (leftover == 0) return null;
                    throw new FrameException($"stream ended inside a frame ({leftover} bytes of it received)");
                }
            }
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled) throw new OperationCanceledException("frame read was canceled");
            LastReceiveTicks = Environment.TickCount64;
            _buffer = result.Buffer;
            _completed = result.IsCompleted;
            _holdsBuffer = true;
        }
    }
}
