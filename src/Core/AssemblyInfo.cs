using System.Diagnostics;

// Core is optimised in every configuration (Core.csproj: its kernels are many times slower unoptimised). The attribute
// the compiler writes for an optimised build is stated here, so that tools which compile Core's sources themselves with
// their own options (Stryker.NET's mutated builds, docs/TESTING.md) get JIT-optimised code too.
[assembly: Debuggable(DebuggableAttribute.DebuggingModes.IgnoreSymbolStoreSequencePoints)]
