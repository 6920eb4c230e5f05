using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AkkaLockstep.Host.Tests.ClientEndpoint;

/// <summary>Keeps log lines so tests can check that the server explained why it closed a connection.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) => Entries.Enqueue((logLevel, formatter(state, exception)));

    public int Count(LogLevel level) => Entries.Count(e => e.Level == level);
}
