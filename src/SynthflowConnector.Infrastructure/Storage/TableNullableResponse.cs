using Azure;

namespace SynthflowConnector.Storage;

/// <summary>Azure.Core has no public factory for <see cref="NullableResponse{T}"/>, so this is the minimal one.</summary>
internal sealed class TableNullableResponse<T> : NullableResponse<T>
{
    private readonly T? _value;
    private readonly Response _response;

    public TableNullableResponse(T? value, Response response)
    {
        _value = value;
        _response = response;
    }

    public override bool HasValue => _value is not null;

    public override T? Value => _value;

    public override Response GetRawResponse() => _response;
}
