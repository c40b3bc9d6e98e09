namespace ScaleChat.Protocol;

/// <summary>Where a room's stream stands: its latest <c>seq</c> within its <c>epoch</c>.</summary>
/// <param name="Seq">The latest sequence number (0 when the room has no message yet).</param>
/// <param name="Epoch">Changes only when the room's history was lost.</param>
public readonly record struct RoomPosition(long Seq, string Epoch);
