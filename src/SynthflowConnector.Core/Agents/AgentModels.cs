namespace SynthflowConnector.Agents;

// What the agent and phone-number actions answer. Plain records: the API serializes them as the connector's contracts.

public sealed record AgentSummary(string ModelId, string? Name, string? Type);

public sealed record AgentList(IReadOnlyList<AgentSummary> Agents);

public sealed record PhoneNumberItem(string Number, string Slug, string? Sid);

/// <summary>An agent's attached numbers (its outbound pool).</summary>
public sealed record AgentPhoneNumbers(string ModelId, IReadOnlyList<PhoneNumberItem> PhoneNumbers);

public sealed record DetachResult(string ModelId, string Slug, bool WasAttached, IReadOnlyList<PhoneNumberItem> PhoneNumbers);

public sealed record WorkspacePhoneNumberItem(string Number, string Slug, string? Sid, bool IsAvailable);

public sealed record WorkspacePhoneNumberList(IReadOnlyList<WorkspacePhoneNumberItem> PhoneNumbers);
