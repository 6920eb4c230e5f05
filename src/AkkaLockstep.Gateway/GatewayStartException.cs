namespace AkkaLockstep.Gateway;

/// <summary>The gateway could not start (bad settings, or its port is taken); the message says what to change.</summary>
public sealed class GatewayStartException(string message, Exception? inner = null) : Exception(message, inner);
