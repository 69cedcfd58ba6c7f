"""OpenAI ChatKit's own protocol on `POST /chatkit`: ChatKit's UI on this backend's queue.

`routes.chatkit_protocol_routes` registers the endpoint; `service.ChatKitService` answers
each request type over `TurnIntake` and the stored turns; `items` derives ChatKit thread
items from turns; `protocol` holds the wire types (openai-chatkit 1.6.5). docs/CHATKIT.md.
"""

from api.chatkit.routes import chatkit_protocol_routes

__all__ = ["chatkit_protocol_routes"]
