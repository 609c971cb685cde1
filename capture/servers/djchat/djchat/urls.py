from django.http import JsonResponse
from django.urls import path


def rooms(request):
    return JsonResponse([{"id": 1, "name": "general"}, {"id": 2, "name": "random"}], safe=False)


urlpatterns = [path("rooms/", rooms)]
