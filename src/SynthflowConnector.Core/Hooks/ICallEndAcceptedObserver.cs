namespace SynthflowConnector.Hooks;

/// <summary>
/// Told at once, on the receiver's acknowledgement path, that the signed webhook of a call's final status was accepted
/// (stored and queued). It must return at once (it may start work of its own) and may miss an end: the durable fan-out's
/// <see cref="ICallEndedObserver"/>s are the guarantee. The pacer frees the call's concurrency slot here, a queue hop
/// and a fan-out sooner than its observer would.
/// </summary>
public interface ICallEndAcceptedObserver
{
    void OnCallEndAccepted(string callId);
}
