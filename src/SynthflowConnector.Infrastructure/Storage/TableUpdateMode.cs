namespace SynthflowConnector.Storage;

/// <summary>How an update treats properties the sent entity does not carry.</summary>
public enum TableUpdateMode
{
    /// <summary>MERGE: properties not sent keep their stored values.</summary>
    Merge = 0,

    /// <summary>PUT: the stored entity is replaced; properties not sent are removed.</summary>
    Replace = 1,
}
