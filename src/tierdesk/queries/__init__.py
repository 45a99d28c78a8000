"""The read path. Every query takes the actor and scopes by what that actor may see."""
