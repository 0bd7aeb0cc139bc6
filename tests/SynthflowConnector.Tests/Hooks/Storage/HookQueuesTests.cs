using System.Text;
using System.Text.Json;
using SynthflowConnector.Hooks;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hooks.Storage;

/// <summary>The hook queues on real Azurite: base64 JSON any queue client reads, delays as invisibility, the local signal.</summary>
[Collection("Azurite")]
public sealed class HookQueuesTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static DeliveryMessage Delivery(int attempt = 1) => new()
    {
        CallId = "call-1",
        Status = "completed",
        SubscriptionId = "sub-1",
        Attempt = attempt,
        FirstQueuedAt = Now,
    };

    [Fact]
    public async Task An_event_message_is_base64_json_that_a_plain_queue_client_reads()
    {
        var queues = new StorageHookQueues(azurite.CreateConnectorQueues(), new HookQueueSignal());
        var plain = azurite.CreateQueueClient(IHookQueues.EventsQueue);
        await plain.CreateIfNotExistsAsync();
        await plain.ClearMessagesAsync();

        await queues.EnqueueEventAsync(new CallEventMessage("call-1", "no-answer"), CancellationToken.None);

        var received = Assert.Single((await plain.ReceiveMessagesAsync(maxMessages: 32)).Value);
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(received.MessageText));
        using var document = JsonDocument.Parse(json);
        Assert.Equal("call-1", document.RootElement.GetProperty("callId").GetString());
        Assert.Equal("no-answer", document.RootElement.GetProperty("status").GetString());
        Assert.Equal(new CallEventMessage("call-1", "no-answer"), HookQueueMessages.ReadCallEvent(json));
    }

    [Fact]
    public async Task A_delivery_round_trips_and_the_poison_queue_holds_the_same_message()
    {
        var queues = new StorageHookQueues(azurite.CreateConnectorQueues(), new HookQueueSignal());
        var forward = Delivery(3) with { SubscriptionId = null, ForwardUrl = new Uri("https://example.com/hook?x=1") };

        await queues.EnqueuePoisonAsync(forward, CancellationToken.None);

        var poison = await azurite.CreateConnectorQueues().GetAsync(IHookQueues.DeliveriesPoisonQueue, CancellationToken.None);
        var received = (await poison.ReceiveMessagesAsync(maxMessages: 32)).Value;
        Assert.Contains(forward, received.Select(m => HookQueueMessages.ReadDelivery(m.Body)));
    }

    [Fact]
    public async Task A_delay_makes_the_message_invisible_for_that_long_capped_at_seven_days()
    {
        var queues = new StorageHookQueues(azurite.CreateConnectorQueues(), new HookQueueSignal());
        var queueName = AzuriteFixture.UniqueQueueName();
        var body = HookQueueMessages.Serialize(Delivery(2));

        var delayed = await queues.SendAsync(queueName, body, TimeSpan.FromSeconds(30), CancellationToken.None);
        var capped = await queues.SendAsync(queueName, body, TimeSpan.FromDays(30), CancellationToken.None);

        Assert.InRange(delayed.TimeNextVisible - delayed.InsertionTime, TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(31));
        Assert.InRange(capped.TimeNextVisible - capped.InsertionTime, TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1), TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));
        var plain = azurite.CreateQueueClient(queueName);
        Assert.Empty((await plain.ReceiveMessagesAsync(maxMessages: 32)).Value);
        Assert.Equal(2, (await plain.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task An_immediate_enqueue_raises_the_signal_and_a_delayed_one_does_not()
    {
        var signal = new HookQueueSignal();
        var queues = new StorageHookQueues(azurite.CreateConnectorQueues(), signal);
        var woken = signal.NextAsync(IHookQueues.DeliveriesQueue);

        await queues.EnqueueDeliveryAsync(Delivery(2), TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.False(woken.IsCompleted);

        await queues.EnqueueDeliveryAsync(Delivery(), TimeSpan.Zero, CancellationToken.None);
        Assert.True(woken.IsCompletedSuccessfully);
        Assert.False(signal.NextAsync(IHookQueues.DeliveriesQueue).IsCompleted);
    }

    [Fact]
    public async Task A_delivery_carries_its_event_unless_that_would_not_fit_in_a_queue_message()
    {
        var queues = new StorageHookQueues(azurite.CreateConnectorQueues(), new HookQueueSignal());
        var small = Delivery() with { Event = CallEventStoreTests.Event(transcript: "Grüß Gott, +49 30 1234567.") };
        var large = Delivery(2) with { Event = CallEventStoreTests.Event(transcript: new string('x', 70_000)) };
        var queue = await azurite.CreateConnectorQueues().GetAsync(IHookQueues.DeliveriesQueue, CancellationToken.None);
        await queue.ClearMessagesAsync();

        await queues.EnqueueDeliveryAsync(small, TimeSpan.Zero, CancellationToken.None);
        await queues.EnqueueDeliveryAsync(large, TimeSpan.Zero, CancellationToken.None);

        var received = (await queue.ReceiveMessagesAsync(maxMessages: 32)).Value.Select(m => HookQueueMessages.ReadDelivery(m.Body)).OrderBy(m => m.Attempt).ToList();
        Assert.Equal(2, received.Count);
        Assert.Equal(HookJson.SerializeEvent(small.Event!), HookJson.SerializeEvent(received[0].Event!));
        Assert.Equal(large with { Event = null }, received[1]);
        Assert.InRange(HookQueueMessages.Serialize(small).ToMemory().Length, 1, HookQueueMessages.MaxMessageBytes);
        Assert.InRange(HookQueueMessages.Serialize(large).ToMemory().Length, 1, HookQueueMessages.MaxMessageBytes);
    }

    [Fact]
    public void Unreadable_messages_are_json_errors()
    {
        Assert.Throws<JsonException>(() => HookQueueMessages.ReadCallEvent("not json"));
        Assert.Throws<JsonException>(() => HookQueueMessages.ReadCallEvent("{\"callId\":\"c\"}"));
        Assert.Throws<JsonException>(() => HookQueueMessages.ReadDelivery("{}"));
    }
}
