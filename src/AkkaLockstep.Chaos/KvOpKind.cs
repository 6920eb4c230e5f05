namespace AkkaLockstep.Chaos;

public enum KvOpKind { Get, Put, Delete, Cas }
