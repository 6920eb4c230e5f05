namespace AkkaLockstep.Chaos;

/// <summary>
/// What the client saw. Ok: put done, get found a value, delete removed a key, cas set. NotFound: get or delete
/// found no key. CasFailed: cas did not match. Unknown: no answer (timeout, connection lost), so the op may or
/// may not have taken effect, at any time after its invocation.
/// </summary>
public enum OpOutcome { Ok, NotFound, CasFailed, Unknown }
