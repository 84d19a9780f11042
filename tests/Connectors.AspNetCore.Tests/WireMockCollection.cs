namespace Connectors.AspNetCore.Tests;

[CollectionDefinition(WireMockTest.Collection)]
public sealed class WireMockCollection : ICollectionFixture<WireMockFixture>;
