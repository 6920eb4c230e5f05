namespace AkkaLockstep.Client;

/// <summary>
/// The VM's sql guest does not know Script commands (its hosts run an older version): nothing ran. Send the
/// statements one at a time instead.
/// </summary>
public sealed class SqlScriptNotSupportedException(string message) : InvalidOperationException(message);
