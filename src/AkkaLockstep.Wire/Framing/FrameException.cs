namespace AkkaLockstep.Wire.Framing;

/// <summary>
/// The byte stream does not hold a valid frame (bad or oversized length, truncated frame, undecodable protobuf).
/// The stream cannot be resynchronised after this, so the only sensible reaction is to close the connection.
/// </summary>
public sealed class FrameException : Exception
{
    public FrameException(string message) : base(message) { }

    public FrameException(string message, Exception innerException) : base(message, innerException) { }
}
