namespace AkkaLockstep.Host.Configuration;

/// <summary>The settings could not be read or are invalid; <see cref="Errors"/> lists every problem found.</summary>
public sealed class HostOptionsException(IReadOnlyList<string> errors)
    : Exception("invalid settings:" + string.Concat(errors.Select(e => "\n  - " + e)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
