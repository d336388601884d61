from locust import HttpUser, task, constant

class Visitor(HttpUser):
    wait_time = constant(0.5)

    @task(3)
    def index(self):
        self.client.get("/")

    @task(1)
    def missing(self):
        self.client.get("/missing")
