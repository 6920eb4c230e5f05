namespace AkkaLockstep.PgWire;

/// <summary>Transaction state reported in ReadyForQuery: 'I', 'T' and 'E' on the wire.</summary>
public enum PgTransactionStatus
{
    Idle,
    InTransaction,
    Failed,
}
