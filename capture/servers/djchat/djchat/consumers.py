"""The chat consumer of the Channels tutorial, with the application logging connects and disconnects."""

import logging

from channels.generic.websocket import AsyncWebsocketConsumer

log = logging.getLogger("chat")


class ChatConsumer(AsyncWebsocketConsumer):
    group = "lobby"

    async def connect(self):
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        log.info("client %s joined %s", self.scope["client"], self.group)

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)
        log.info("client %s left %s (close code %s)", self.scope["client"], self.group, code)

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "text": text_data})

    async def chat_message(self, event):
        await self.send(text_data=event["text"])
