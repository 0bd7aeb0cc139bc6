namespace SynthflowConnector;
internal static class Placeholder { }
