using System.Net.Http.Headers;

namespace SynthflowConnector.Sandbox;

// Sending: the senders (started on first use) take queued webhooks and POST them, logging each attempt.
public sealed partial class SandboxWebhooks
{
    /// <summary>Under <see cref="_gate"/>: starts the senders on first use, then queues the job (twice for a duplicate).</summary>
    private void Enqueue(Job job, bool twice)
    {
        if (_disposed)
        {
            return;
        }

        if (_senders is null)
        {
            _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = SendTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            {
                Timeout = SendTimeout,
            };
            _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("SynthflowSandbox", "1.0"));
            _senders = [.. Enumerable.Range(0, SenderCount).Select(_ => Task.Run(SendLoopAsync))];
        }

        _queue.Writer.TryWrite(job);
        if (twice)
        {
            _queue.Writer.TryWrite(job with { IsDuplicate = true });
        }
    }

    private async Task SendLoopAsync()
    {
        var token = _stopping.Token;
        try
        {
            await foreach (var job in _queue.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                await SendAsync(job, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed: jobs still queued are not sent.
        }
    }

    private async Task SendAsync(Job job, CancellationToken token)
    {
        var at = _time.GetUtcNow();
        int? status = null;
        string? error = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, job.Url) { Content = new ByteArrayContent(job.Body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            if (job.Signature is not null)
            {
                request.Headers.TryAddWithoutValidation(SignatureHeader, job.Signature);
            }

            using var response = await _client!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException exception)
        {
            error = exception.HttpRequestError.ToString();
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            error = "Timeout";
        }

        Log(new SandboxWebhookAttempt(job.CallId, job.Url.OriginalString, at, status, error, job.IsDuplicate, Dropped: false));
    }

    private void Log(SandboxWebhookAttempt attempt)
    {
        lock (_gate)
        {
            _attempts.Enqueue(attempt);
            var count = _attempts.Count;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= count)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private sealed record Job(string CallId, Uri Url, byte[] Body, string? Signature, bool IsDuplicate);
}
