namespace AkkaLockstep.Wire.Framing;

/// <summary>Sizes shared by both ends of the client protocol.</summary>
public static class FrameLimits
{
    /// <summary>Length prefix: 4 bytes, big-endian.</summary>
    public const int HeaderBytes = 4;

    /// <summary>Largest protobuf payload of one frame.</summary>
    public const int MaxFrameBytes = 4 * 1024 * 1024;

    /// <summary>Largest command in a Request: a frame's worth minus room for the other request fields.</summary>
    public const int MaxCommandBytes = MaxFrameBytes - 1024;
}
