"""Xiaoer's gateway: the public edge between buyers, agents, trainers and Rasa."""
